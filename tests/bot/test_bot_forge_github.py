"""The GitHub forge against a local server answering GitHub's REST shapes, faults included."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path

import pytest
from bot_fakes import FakeGitHub, Fault, commit_all, git, make_farm, publish

from farm.bot.forge import FileChange, ForgeError
from farm.bot.forge_github import LABEL, GitHubForge, RetryPolicy
from farm.bot.index_reader import IndexReader
from farm.bot.runner import Effects, Runner
from farm.bot.versions import Response
from farm.cli import main
from farm.platforms import parse
from farm.settings import load_settings

Sleeps = tuple[list[float], Callable[[float], None]]


def connect(fake: FakeGitHub, sleeps: Sleeps, **kw: object) -> GitHubForge:
    return GitHubForge(f"{fake.owner}/{fake.name}", fake.token, api_url=fake.url, sleep=sleeps[1], **kw)  # type: ignore[arg-type]


def seeded(fake: FakeGitHub) -> None:
    fake.seed({"recipes/pins.yaml": "pins:\n  zlib: '1'\n", "README.md": "hi\n"})


def test_branches_files_commits_and_prs(fake_github: FakeGitHub, sleeps: Sleeps) -> None:
    seeded(fake_github)
    forge = connect(fake_github, sleeps)
    assert forge.default_branch == "main"
    assert forge.branch_head("farm-bot/x") is None
    base = forge.create_branch("farm-bot/x", "main")
    assert forge.branch_head("farm-bot/x") == base
    sha = forge.commit_files("farm-bot/x", "edit", [FileChange("recipes/pins.yaml", "pins:\n  zlib: '2'\n"),
                                                    FileChange("README.md", None)])
    assert forge.branch_head("farm-bot/x") == sha
    assert forge.read_file("recipes/pins.yaml", "farm-bot/x") == "pins:\n  zlib: '2'\n"
    assert forge.read_file("README.md", "farm-bot/x") is None
    assert forge.read_file("README.md", "main") == "hi\n"
    pr = forge.open_pr("farm-bot/x", "main", "t", "body <!-- farm-bot: {\"kind\": \"update\"} -->")
    assert (pr.number, pr.state, pr.head, pr.base) == (1, "open", "farm-bot/x", "main")
    assert pr.meta == {"kind": "update"}
    assert forge.update_pr(1, "t2", "b2").title == "t2"
    forge.close_pr(1, "superseded")
    assert fake_github.comments[1][0]["body"] == "superseded"
    found = forge.find_pr("farm-bot/x")
    assert found is not None and found.state == "closed"
    assert forge.list_branches("farm-bot/") == ["farm-bot/x"]
    assert sleeps[0] == []


def test_pagination_follows_link_headers(fake_github: FakeGitHub, sleeps: Sleeps) -> None:
    seeded(fake_github)
    forge = connect(fake_github, sleeps)
    for i in range(5):
        forge.create_branch(f"farm-bot/b{i}", "main")
        forge.open_pr(f"farm-bot/b{i}", "main", f"pr {i}", "")
    assert [p.number for p in forge.list_prs("farm-bot/")] == [1, 2, 3, 4, 5]
    assert fake_github.count("GET", r"/repos/wheelfarm/farm/pulls") == 3  # pages of 2
    assert len(forge.list_branches("farm-bot/")) == 5


def test_502_then_200_retries_with_bounded_backoff(fake_github: FakeGitHub, sleeps: Sleeps) -> None:
    seeded(fake_github)
    fake_github.faults.append(Fault("GET", r"/repos/wheelfarm/farm/git/ref/heads/main", 502, times=2))
    forge = connect(fake_github, sleeps)
    assert forge.branch_head("main") is not None
    assert sleeps[0] == [2.0, 4.0]


def test_a_502_after_the_pr_was_created_does_not_duplicate_it(fake_github: FakeGitHub, sleeps: Sleeps) -> None:
    seeded(fake_github)
    forge = connect(fake_github, sleeps)
    forge.create_branch("farm-bot/x", "main")
    fake_github.faults.append(Fault("POST", r"/repos/wheelfarm/farm/pulls", 502, message="Bad Gateway", after=True))
    pr = forge.open_pr("farm-bot/x", "main", "t", "b")
    assert pr.number == 1 and len(fake_github.pulls) == 1
    assert fake_github.count("POST", r"/repos/wheelfarm/farm/pulls") == 1  # found, not re-posted


def test_a_502_after_a_comment_does_not_post_it_twice(fake_github: FakeGitHub, sleeps: Sleeps) -> None:
    seeded(fake_github)
    forge = connect(fake_github, sleeps)
    forge.create_branch("farm-bot/x", "main")
    forge.open_pr("farm-bot/x", "main", "t", "b")
    fake_github.faults.append(Fault("POST", r"/repos/wheelfarm/farm/issues/1/comments", 502, after=True))
    forge.comment_pr(1, "hello")
    assert [c["body"] for c in fake_github.comments[1]] == ["hello"]


def test_secondary_rate_limit_waits_as_asked(fake_github: FakeGitHub, sleeps: Sleeps) -> None:
    seeded(fake_github)
    forge = connect(fake_github, sleeps)
    forge.create_branch("farm-bot/x", "main")
    fake_github.faults.append(Fault("POST", r"/repos/wheelfarm/farm/pulls", 403, headers={"Retry-After": "37"},
                                    message="You have exceeded a secondary rate limit. Please wait a few minutes."))
    pr = forge.open_pr("farm-bot/x", "main", "t", "b")
    assert pr.number == 1 and len(fake_github.pulls) == 1
    assert sleeps[0] == [37.0]


def test_secondary_rate_limit_without_retry_after_waits_a_minute(fake_github: FakeGitHub, sleeps: Sleeps) -> None:
    seeded(fake_github)
    fake_github.faults.append(Fault("GET", r"/repos/wheelfarm/farm/git/ref/heads/main", 403,
                                    message="You have exceeded a secondary rate limit."))
    connect(fake_github, sleeps).branch_head("main")
    assert sleeps[0] == [60.0]


def test_primary_rate_limit_waits_until_reset(fake_github: FakeGitHub, sleeps: Sleeps) -> None:
    seeded(fake_github)
    fake_github.faults.append(Fault("GET", r"/repos/wheelfarm/farm/git/ref/heads/main", 403,
                                    headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1100"},
                                    message="API rate limit exceeded"))
    connect(fake_github, sleeps, clock=lambda: 1000.0).branch_head("main")
    assert sleeps[0] == [101.0]


def test_retries_are_bounded(fake_github: FakeGitHub, sleeps: Sleeps) -> None:
    seeded(fake_github)
    fake_github.faults.append(Fault("GET", r"/repos/wheelfarm/farm/git/ref/heads/main", 503, times=100))
    forge = connect(fake_github, sleeps, policy=RetryPolicy(attempts=4, base_delay=1, max_delay=3))
    with pytest.raises(ForgeError, match="still failing after 4 attempts"):
        forge.branch_head("main")
    assert sleeps[0] == [1.0, 2.0, 3.0]


def test_a_long_rate_limit_stops_the_run_cleanly(fake_github: FakeGitHub, sleeps: Sleeps) -> None:
    seeded(fake_github)
    fake_github.faults.append(Fault("GET", r"/repos/wheelfarm/farm/git/ref/heads/main", 429,
                                    headers={"Retry-After": "3600"}))
    with pytest.raises(ForgeError, match="rate limited for 3600 s; stopping this run"):
        connect(fake_github, sleeps).branch_head("main")
    assert sleeps[0] == []


def test_client_errors_are_not_retried_and_the_token_never_shows(fake_github: FakeGitHub, sleeps: Sleeps,
                                                                caplog: pytest.LogCaptureFixture) -> None:
    seeded(fake_github)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ForgeError) as err:
        GitHubForge("wheelfarm/farm", "wrong-token", api_url=fake_github.url, sleep=sleeps[1])
    assert "401" in str(err.value) and sleeps[0] == []
    forge = connect(fake_github, sleeps)
    with pytest.raises(ForgeError, match="422"):
        forge.open_pr("no-such-branch", "main", "t", "b")
    assert fake_github.token not in caplog.text and fake_github.token not in str(err.value)


def test_state_lives_on_its_own_branch(fake_github: FakeGitHub, sleeps: Sleeps) -> None:
    seeded(fake_github)
    forge = connect(fake_github, sleeps)
    assert forge.load_state() is None
    forge.save_state('{"a": 1}')
    forge.save_state('{"a": 2}')
    assert forge.load_state() == '{"a": 2}'
    assert fake_github.files("main") == {"recipes/pins.yaml": "pins:\n  zlib: '1'\n", "README.md": "hi\n"}


# -- the runner on GitHub, with faults ------------------------------------------------------------


def github_bot(root: Path, fake: FakeGitHub, sleeps: Sleeps) -> Runner:
    s = load_settings(root)
    fx = Effects(forge=connect(fake, sleeps), index=IndexReader(str(s.index)),
                 http=lambda url, headers: Response(404, b""), download=lambda url: iter([b""]))
    return Runner(s, fx, platform=parse("linux-x86_64"))


def mirror(fake: FakeGitHub, root: Path) -> None:
    files = {p.relative_to(root).as_posix(): p.read_text() for p in (root / "recipes").rglob("*") if p.is_file()}
    fake.seed(files)


def sync_checkout(root: Path, files: dict[str, str]) -> None:
    """What actions/checkout gives the next run: the default branch's files."""
    for path in [p for p in (root / "recipes").rglob("*") if p.is_file()]:
        if path.relative_to(root).as_posix() not in files:
            path.unlink()
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


@pytest.mark.parametrize("fault", [
    Fault("POST", r"/repos/wheelfarm/farm/pulls", 502, message="Bad Gateway", after=True),
    Fault("POST", r"/repos/wheelfarm/farm/pulls", 502, message="Bad Gateway"),
    Fault("POST", r"/repos/wheelfarm/farm/pulls", 403, headers={"Retry-After": "61"},
          message="You have exceeded a secondary rate limit."),
    Fault("POST", r"/repos/wheelfarm/farm/git/refs", 502, after=True),
    Fault("PUT", r"/repos/wheelfarm/farm/contents/recipes/.*", 500),
    Fault("PUT", r"/repos/wheelfarm/farm/contents/recipes/.*", 502, after=True),
    Fault("POST", r"/repos/wheelfarm/farm/issues/\d+/labels", 502),
], ids=["502-after-create", "502-before-create", "403-secondary", "502-after-branch", "500-on-commit",
        "502-after-commit", "502-on-label"])
def test_faults_end_with_one_pr_per_recipe_and_nothing_lost(tmp_path: Path, fake_github: FakeGitHub, sleeps: Sleeps,
                                                            fault: Fault) -> None:
    root = make_farm(tmp_path)
    assert main(["migrate", "new", "--pin", "zlib=1.2.13", "--root", str(root)]) == 0
    commit_all(root, "migration")
    publish(root / "index", "wheelfarm-zlib", "1.2.13")
    mirror(fake_github, root)
    fake_github.faults.append(fault)
    report = github_bot(root, fake_github, sleeps).run(updates=False)
    assert [(a.kind, a.recipe, a.pr) for a in report.actions] == [("opened", "libtiff", 1)]
    assert len(sleeps[0]) == 1
    assert [p["head"]["ref"] for p in fake_github.pulls] == ["farm-bot/migrate/zlib-1.2.13/libtiff"]
    edited = fake_github.files("farm-bot/migrate/zlib-1.2.13/libtiff")["recipes/libtiff/recipe.yaml"]
    assert edited != fake_github.files("main")["recipes/libtiff/recipe.yaml"]
    again = github_bot(root, fake_github, sleeps).run(updates=False)
    assert again.actions == () and len(fake_github.pulls) == 1


def test_waves_on_github(tmp_path: Path, fake_github: FakeGitHub, sleeps: Sleeps) -> None:
    root = make_farm(tmp_path)
    assert main(["migrate", "new", "--pin", "zlib=1.2.13", "--root", str(root)]) == 0
    commit_all(root, "migration")
    publish(root / "index", "wheelfarm-zlib", "1.2.13")
    mirror(fake_github, root)
    first = github_bot(root, fake_github, sleeps).run(updates=False)
    assert [a.recipe for a in first.actions] == ["libtiff"]
    sync_checkout(root, fake_github.merge(1))
    plan = first.migrations[0].plan
    assert plan is not None
    publish(root / "index", "wheelfarm-libtiff", plan.states["libtiff"].target)
    second = github_bot(root, fake_github, sleeps).run(updates=False)
    assert [a.recipe for a in second.actions] == ["tiffutil"]
    state = json.loads(fake_github.files("farm-bot/state")["farm-bot-state.json"])
    assert json.loads(state["journal"])["intents"] == {}
    assert github_bot(root, fake_github, sleeps).run(updates=False).actions == ()


# -- what a pass costs ------------------------------------------------------------------------------


def counted_in(fake: FakeGitHub, fn: Callable[[], object]) -> tuple[int, int]:
    """(calls counted against the rate limit, 304s) while ``fn`` runs."""
    before, before_all = fake.counted(), len(fake.log)
    fn()
    calls = fake.counted() - before
    return calls, len(fake.log) - before_all - calls


def test_a_304_is_not_counted_and_the_server_says_so(fake_github: FakeGitHub, sleeps: Sleeps) -> None:
    seeded(fake_github)
    forge = connect(fake_github, sleeps)
    assert counted_in(fake_github, lambda: forge.branch_head("main")) == (1, 0)
    assert counted_in(fake_github, lambda: forge.branch_head("main")) == (0, 1)  # If-None-Match, unchanged
    fake_github.seed({"README.md": "changed\n"})
    assert counted_in(fake_github, lambda: forge.branch_head("main")) == (1, 0)
    assert forge.branch_head("main") == fake_github.refs["heads/main"]


def test_a_pass_with_nothing_new_reads_the_bot_s_prs_for_free(tmp_path: Path, fake_github: FakeGitHub,
                                                              sleeps: Sleeps) -> None:
    root = make_farm(tmp_path)
    assert main(["migrate", "new", "--pin", "zlib=1.2.13", "--root", str(root)]) == 0
    commit_all(root, "migration")
    publish(root / "index", "wheelfarm-zlib", "1.2.13")
    mirror(fake_github, root)
    first = github_bot(root, fake_github, sleeps).run(updates=False)
    assert [a.recipe for a in first.actions] == ["libtiff"]
    assert [x["labels"] for x in fake_github.pulls] == [[LABEL]]
    github_bot(root, fake_github, sleeps).run(updates=False)
    calls, free = counted_in(fake_github, lambda: github_bot(root, fake_github, sleeps).run(updates=False))
    assert (calls, free) == (2, 1)  # the repository and the state file; the bot's PRs: 304
    assert fake_github.count("PUT", r".*/contents/farm-bot-state.json") == 3  # not rewritten when nothing changed

    # a person merges the PR: the next pass reads it through the label, not by listing every PR
    sync_checkout(root, fake_github.merge(1))
    pulls = fake_github.count("GET", r"/repos/wheelfarm/farm/pulls")
    report = github_bot(root, fake_github, sleeps).run(updates=False)
    assert fake_github.count("GET", r"/repos/wheelfarm/farm/pulls") == pulls
    plan = report.migrations[0].plan
    assert plan is not None and "merged" in plan.states["libtiff"].reason


def test_without_the_memory_every_pass_lists_every_pr(tmp_path: Path, fake_github: FakeGitHub, sleeps: Sleeps) -> None:
    seeded(fake_github)
    forge = connect(fake_github, sleeps)
    forge.create_branch("farm-bot/x", "main")
    forge.open_pr("farm-bot/x", "main", "t", "b")
    forge.save_state("{}")
    for _ in range(2):
        plain = connect(fake_github, sleeps, cache=False)
        plain.load_state()
        before = fake_github.count("GET", r"/repos/wheelfarm/farm/pulls")
        assert [p.number for p in plain.list_prs("farm-bot/")] == [1]
        assert fake_github.count("GET", r"/repos/wheelfarm/farm/pulls") == before + 1
    assert fake_github.count("GET", r"/repos/wheelfarm/farm/issues") == 0


def test_a_bot_pr_without_the_label_is_found_and_labelled(fake_github: FakeGitHub, sleeps: Sleeps) -> None:
    seeded(fake_github)
    forge = connect(fake_github, sleeps)
    forge.create_branch("farm-bot/old", "main")
    forge.open_pr("farm-bot/old", "main", "t", "b")
    forge.create_branch("people", "main")
    connect(fake_github, sleeps).open_pr("people", "main", "by hand", "")
    fake_github.pulls[0]["labels"] = []  # opened before the label existed
    fresh = connect(fake_github, sleeps)
    assert [p.head for p in fresh.list_prs("farm-bot/")] == ["farm-bot/old"]
    assert fake_github.pulls[0]["labels"] == [LABEL] and fake_github.pulls[1]["labels"] == []


def test_a_pr_the_memory_does_not_know_costs_one_read(fake_github: FakeGitHub, sleeps: Sleeps) -> None:
    seeded(fake_github)
    forge = connect(fake_github, sleeps)
    forge.list_prs("farm-bot/")
    forge.save_state("{}")
    other = connect(fake_github, sleeps)  # an earlier run that crashed before it saved its memory
    other.create_branch("farm-bot/x", "main")
    other.open_pr("farm-bot/x", "main", "t", "b")
    later = connect(fake_github, sleeps)
    later.load_state()
    reads = fake_github.count("GET", r"/repos/wheelfarm/farm/pulls/1")
    assert [p.head for p in later.list_prs("farm-bot/")] == ["farm-bot/x"]
    assert fake_github.count("GET", r"/repos/wheelfarm/farm/pulls/1") == reads + 1
    assert fake_github.count("GET", r"/repos/wheelfarm/farm/pulls") == 1  # only the first forge's full read
    found = later.find_pr("farm-bot/x")
    assert found is not None and found.number == 1


def test_files_at_a_commit_the_checkout_holds_are_read_from_it(tmp_path: Path, fake_github: FakeGitHub,
                                                              sleeps: Sleeps) -> None:
    root = make_farm(tmp_path, deeper=False)
    head = git(root, "rev-parse", "HEAD").strip()
    files = {p.relative_to(root).as_posix(): p.read_text() for p in (root / "recipes").rglob("*") if p.is_file()}
    fake_github.seed(files, commit=head)
    forge = connect(fake_github, sleeps, checkout=root)
    assert forge.branch_head("main") == head
    text = forge.read_file("recipes/zlib/recipe.yaml", head)
    assert text == files["recipes/zlib/recipe.yaml"] and forge.read_file("recipes/nothing.yaml", head) is None
    assert fake_github.count("GET", r"/repos/wheelfarm/farm/contents/recipes/.*") == 0
    forge.create_branch("farm-bot/z", "main")
    sha = forge.commit_files("farm-bot/z", "edit", [FileChange("recipes/zlib/recipe.yaml", text + "# more\n")],
                             parent=head)
    assert fake_github.count("PUT", r"/repos/wheelfarm/farm/contents/recipes/zlib/recipe.yaml") == 1
    assert fake_github.count("POST", r"/repos/wheelfarm/farm/git/(trees|commits)") == 0
    assert fake_github.files("farm-bot/z")["recipes/zlib/recipe.yaml"] == text + "# more\n"
    assert forge.branch_head("farm-bot/z") == sha == fake_github.refs["heads/farm-bot/z"]
    other = connect(fake_github, sleeps)  # no checkout: the same file through the API
    assert other.read_file("recipes/zlib/recipe.yaml", head) == text
    assert fake_github.count("GET", r"/repos/wheelfarm/farm/contents/recipes/.*") == 1


def test_a_state_file_over_the_contents_api_s_limit_is_read_through_the_blob(fake_github: FakeGitHub,
                                                                              sleeps: Sleeps) -> None:
    seeded(fake_github)
    fake_github.contents_limit = 100
    journal = json.dumps({"intents": {}, "errors": {"update": {f"r{i}": "boom" for i in range(50)}}})
    connect(fake_github, sleeps).save_state(journal)
    assert len(fake_github.files("farm-bot/state")["farm-bot-state.json"]) > 100
    assert connect(fake_github, sleeps).load_state() == journal
    assert fake_github.count("GET", r"/repos/wheelfarm/farm/git/blobs/[0-9a-f]+") == 1


def test_the_journal_of_the_forge_before_its_memory_still_loads(fake_github: FakeGitHub, sleeps: Sleeps) -> None:
    old = '{"errors": {"update": {"zlib": "boom"}}, "intents": {}, "version": 1}'
    seeded(fake_github)
    fake_github.refs["heads/farm-bot/state"] = fake_github.refs["heads/main"]
    forge = connect(fake_github, sleeps)
    forge.create_branch("farm-bot/tmp", "main")
    forge.commit_files("farm-bot/tmp", "journal", [FileChange("farm-bot-state.json", old)])
    fake_github.refs["heads/farm-bot/state"] = fake_github.refs["heads/farm-bot/tmp"]
    later = connect(fake_github, sleeps)
    assert later.load_state() == old
    later.save_state(old)
    state = json.loads(fake_github.files("farm-bot/state")["farm-bot-state.json"])
    assert state["journal"] == old and state["version"] == 2 and "prs" in state["forge"]
    assert connect(fake_github, sleeps).load_state() == old
