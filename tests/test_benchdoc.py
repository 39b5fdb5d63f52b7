from storyline.eval.benchdoc import write_section


def test_benchdoc_replaces_only_its_own_section_in_place(tmp_path):
    path = tmp_path / "benchmarks.md"
    path.write_text("# Benchmarks\n\n## Throughput\n\nold numbers\n\n## Extraction (WCXB dev)\n\nstale\n\n## Time\n\nkeep\n")
    write_section("## Extraction (WCXB dev)\n\nfresh\n", path)
    text = path.read_text()
    assert "stale" not in text and "fresh" in text
    assert text.index("## Throughput") < text.index("fresh") < text.index("## Time")
    assert "old numbers" in text and "keep" in text
    assert text.count("## Extraction (WCXB dev)") == 1


def test_benchdoc_appends_a_new_section_and_creates_the_file(tmp_path):
    existing = tmp_path / "other.md"
    existing.write_text("# Benchmarks\n\n## Throughput\n\nold numbers\n")
    write_section("## Extraction (WCXB dev)\n\nfresh\n", existing)
    assert existing.read_text() == "# Benchmarks\n\n## Throughput\n\nold numbers\n\n## Extraction (WCXB dev)\n\nfresh\n"
    fresh = tmp_path / "new" / "benchmarks.md"
    write_section("## Time\n\nfirst", fresh)
    assert fresh.read_text() == "# Benchmarks\n\n## Time\n\nfirst\n"


def test_benchdoc_a_heading_that_prefixes_another_is_not_confused(tmp_path):
    path = tmp_path / "benchmarks.md"
    path.write_text("# Benchmarks\n\n## Claims: grouping at scale\n\nscale\n\n## Claims\n\nold\n")
    write_section("## Claims\n\nnew\n", path)
    text = path.read_text()
    assert "scale" in text and "new" in text and "old" not in text
