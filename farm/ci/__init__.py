"""Hosted CI for the farm: plan what a change rebuilds (:mod:`farm.ci.plan`), write the
GitHub Actions workflows that build it (:mod:`farm.ci.render`), and run the same plan on
this machine (:mod:`farm.ci.local`)."""
