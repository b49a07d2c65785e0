"""farm cibw RECIPE: write a folder cibuildwheel builds for that recipe."""

from __future__ import annotations

import argparse
from pathlib import Path

from farm.cibw import cibuildwheel_project
from farm.cli._common import add_platform, add_root, catalog, settings
from farm.cuda import DRIVER_LIBRARIES


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("recipe")
    parser.add_argument("--output-dir", type=Path, default=None, help="default: .farm/cibw/<recipe>")
    parser.add_argument("--variant", action="append", metavar="KEY=VALUE", default=[],
                        help="the variant to build, where the recipe's variants are distinct wheels (cuda=13, "
                             "or several: cuda=13,interface=lp64); default: the first")
    add_root(parser)
    add_platform(parser)


def run(args: argparse.Namespace) -> int:
    s = settings(args)
    cat = catalog(args)
    chosen = dict(pair.partition("=")[::2] for item in args.variant for pair in item.split(",") if pair)
    variants = [v for v in cat.variants_of(args.recipe) if not v.skip
                and all(str(v.variant.get(k)) == value for k, value in chosen.items())]
    if not variants:
        print(f"farm cibw: {args.recipe} builds nothing on {cat.platform.name}"
              + (f" with {', '.join(args.variant)}" if args.variant else ""))
        return 1
    recipe = variants[0]
    out = args.output_dir or s.work / "cibw" / recipe.package
    exclude = [so for req in recipe.host for so in
               (cat.pins.external[req.name].sonames if req.name in cat.pins.external
                else cat.variants_of(req.name)[0].provides.sonames)]
    exclude += list(DRIVER_LIBRARIES) if recipe.cuda is not None else []
    policy = cat.pins.platforms.get(recipe.platform.name)
    text = cibuildwheel_project(variants, namespace=s.namespace, root=s.root, out=out.resolve(), exclude=exclude,
                                policy=policy.policy if policy else None, chosen=chosen)
    out.mkdir(parents=True, exist_ok=True)
    (out / "pyproject.toml").write_text(text, encoding="utf-8")
    print(f"wrote {out / 'pyproject.toml'}; run: cibuildwheel --platform linux {out}")
    return 0
