"""Cutting long Telegram HTML: an indented line stays with the line it belongs to."""

from bot.render.split import split_html


def test_a_cut_never_separates_an_entry_from_its_indented_details():
    entries = [f"<b>Source {n}</b> rss:feed{n}\n   last success 09:00, 0 errors\n   <i>timeout</i>" for n in range(200)]
    parts = split_html("\n".join(entries), limit=1000)
    assert len(parts) > 5
    for part in parts:
        lines = part.split("\n")
        assert lines[0].startswith("<b>Source "), lines[0]
        assert not lines[-1].startswith("<b>"), "an entry's header was cut from its details"
    assert "".join(part.replace("\n", "") for part in parts) == "\n".join(entries).replace("\n", "")


def test_text_without_indented_lines_still_cuts_at_a_line_break():
    lines = [f"line {n} " + "word " * 10 for n in range(300)]
    parts = split_html("\n".join(lines), limit=800)
    assert all(part.rstrip("\n").split("\n")[-1].startswith("line ") for part in parts)
    assert all(part.split("\n")[0].startswith("line ") for part in parts)
