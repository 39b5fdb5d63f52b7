import io
import json
from pathlib import Path

import pytest

from storyline.inputs.manifest import load_manifest
from storyline.inputs.sources import expand, read_sources
from storyline.inputs.text import InputError
from storyline.core.records import RawDoc, Skipped


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def read_all(sources, **kwargs):
    return list(read_sources([str(s) for s in sources], **kwargs))


def test_inputs_expand_folders_recursively_and_globs(tmp_path):
    write(tmp_path / "a.txt", "One.")
    write(tmp_path / "sub" / "deeper" / "b.html", "<p>Two.</p>")
    write(tmp_path / "sub" / "notes.md", "not an input format")
    write(tmp_path / "c.jsonl", '{"text": "Three."}')
    from_folder = list(expand([str(tmp_path)]))
    assert [Path(p).name for p in from_folder] == ["a.txt", "c.jsonl", "b.html", "notes.md"]
    from_glob = list(expand([str(tmp_path / "*.txt")]))
    assert [Path(p).name for p in from_glob] == ["a.txt"]
    assert list(expand(["-"])) == ["-"]


def test_inputs_formats_by_suffix_and_content(tmp_path):
    text = write(tmp_path / "a.txt", "A plain paragraph of news.")
    html = write(tmp_path / "b.htm", "<html><body><p>Hi</p></body></html>")
    sniffed = write(tmp_path / "c.page", "<!DOCTYPE html><html><body><p>x</p></body></html>")
    docs = read_all([text, html, sniffed])
    assert [d.fmt for d in docs] == ["text", "html", "html"]
    assert docs[0].content == "A plain paragraph of news."


def test_inputs_jsonl_records_carry_metadata(tmp_path):
    records = [
        {"text": "Body one.", "title": "T1", "published": "2024-05-02T10:00:00Z", "outlet": "Lanport Daily", "url": "https://x.example/1"},
        {"html": "<p>Body two.</p>", "author": "K. Holt"},
    ]
    path = write(tmp_path / "export.jsonl", "\n".join(json.dumps(r) for r in records))
    first, second = read_all([path])
    assert first.fmt == "text" and first.meta.title == "T1" and first.meta.outlet == "Lanport Daily"
    assert first.meta.published == "2024-05-02" and first.meta.published_from == "input"
    assert first.meta.url == "https://x.example/1"
    assert second.fmt == "html" and second.meta.author == "K. Holt" and second.meta.published is None
    assert first.source.endswith("export.jsonl:line 1")


def test_inputs_json_list_of_records(tmp_path):
    path = write(tmp_path / "export.json", json.dumps([{"text": "One."}, {"text": "Two."}]))
    docs = read_all([path])
    assert [d.content for d in docs] == ["One.", "Two."]


def test_inputs_manifest_csv_and_jsonl_attach_metadata(tmp_path):
    article = write(tmp_path / "story.txt", "Body.")
    csv_manifest = write(tmp_path / "m.csv", "source,outlet,published\nstory.txt,Meridian Wire,2024-03\n")
    jsonl_manifest = write(tmp_path / "m.jsonl", '{"source": "story.txt", "outlet": null, "published": "2017-05"}\n')
    (doc,) = read_all([article], manifest=load_manifest(csv_manifest))
    assert doc.meta.outlet == "Meridian Wire"
    assert doc.meta.published == "2024-03" and doc.meta.published_from == "manifest"
    (doc,) = read_all([article], manifest=load_manifest(jsonl_manifest))
    assert doc.meta.outlet is None and doc.meta.published == "2017-05"


def test_inputs_record_metadata_wins_over_manifest(tmp_path):
    path = write(tmp_path / "e.jsonl", '{"source": "s1", "text": "Body.", "published": "2024-01-02"}\n')
    manifest = write(tmp_path / "m.jsonl", '{"source": "s1", "published": "2023", "outlet": "Wire"}\n')
    (doc,) = read_all([path], manifest=load_manifest(manifest))
    assert doc.meta.published == "2024-01-02" and doc.meta.published_from == "input"
    assert doc.meta.outlet == "Wire"


def test_inputs_manifest_without_source_is_an_error(tmp_path):
    manifest = write(tmp_path / "m.csv", "file,outlet\nx.txt,Wire\n")
    with pytest.raises(InputError, match="source"):
        load_manifest(manifest)


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.txt", "", "empty"),
        ("blank.txt", "  \n\n \t", "empty"),
        ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary"),
        ("broken.json", "{not json", "malformed JSON"),
    ],
)
def test_inputs_bad_files_are_skipped_with_a_reason(tmp_path, name, content, reason):
    path = write(tmp_path / name, content)
    (skipped,) = read_all([path])
    assert isinstance(skipped, Skipped)
    assert skipped.source == str(path)
    assert reason in skipped.reason


def test_inputs_oversized_file_is_skipped(tmp_path):
    path = write(tmp_path / "big.txt", "word " * 300)
    (skipped,) = read_all([path], max_bytes=1000)
    assert isinstance(skipped, Skipped) and "too large" in skipped.reason and "1000" in skipped.reason


def test_inputs_missing_and_unreadable_files_are_skipped(tmp_path, monkeypatch):
    (missing,) = read_all([tmp_path / "nope.txt"])
    assert isinstance(missing, Skipped) and missing.reason == "not found"
    locked = write(tmp_path / "locked.txt", "Body.")

    def deny(self):
        raise PermissionError(13, "Permission denied")

    # Tests run as root in CI, where chmod 000 does not stop reading.
    monkeypatch.setattr(Path, "read_bytes", deny)
    (skipped,) = read_all([locked])
    assert isinstance(skipped, Skipped) and "unreadable" in skipped.reason


def test_inputs_declared_charset_decodes_html(tmp_path):
    html = '<html><head><meta charset="iso-8859-1"></head><body><p>Caf\xe9</p></body></html>'
    path = write(tmp_path / "page.html", html.encode("latin-1"))
    (doc,) = read_all([path])
    assert isinstance(doc, RawDoc) and "Café" in doc.content


def test_inputs_malformed_jsonl_line_skips_only_that_line(tmp_path):
    path = write(tmp_path / "mixed.jsonl", '{"text": "Good one."}\n{"text": \n{"title": "no body"}\n{"text": "Good two."}\n')
    records = read_all([path])
    docs = [r for r in records if isinstance(r, RawDoc)]
    skipped = [r for r in records if isinstance(r, Skipped)]
    assert [d.content for d in docs] == ["Good one.", "Good two."]
    assert [s.source for s in skipped] == [f"{path}:line 2", f"{path}:line 3"]
    assert "malformed JSON" in skipped[0].reason and "no 'text' or 'html'" in skipped[1].reason


def test_inputs_stdin(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b'{"text": "From a pipe."}\n')))
    (doc,) = read_all(["-"])
    assert doc.source == "-" and doc.content == "From a pipe."


def test_inputs_hash_changes_with_metadata_not_with_source_order(tmp_path):
    path = write(tmp_path / "a.txt", "Body.")
    (plain,) = read_all([path])
    manifest = write(tmp_path / "m.csv", "source,published\na.txt,2024\n")
    (with_meta,) = read_all([path], manifest=load_manifest(manifest))
    assert plain.content_hash == with_meta.content_hash
    assert plain.input_hash != with_meta.input_hash


@pytest.mark.parametrize(
    ("text", "encoding", "chosen"),
    [
        ("Caf\xe9 au lait, d\xe9j\xe0 vu, said the mayor of Lanport.", "latin-1", "cp1252"),
        ("\u201cWe will not sign,\u201d the minister said \u2014 caf\xe9 talks \xe0 Paris.", "cp1252", "cp1252"),
        ("Le ministre a d\xe9clar\xe9 \xab nous ne signerons pas \xbb \xe0 Paris. \xc9lev\xe9, tr\xe8s.", "cp1252", "cp1252"),
        ("\u041f\u0440\u0438\u0432\u0435\u0442, \u044d\u0442\u043e \u043d\u043e\u0432\u043e\u0441\u0442\u044c \u043e \u0432\u0441\u0442\u0440\u0435\u0447\u0435.", "cp1251", "cp1251"),
    ],
)
def test_inputs_non_utf8_text_is_decoded_and_the_choice_recorded(tmp_path, text, encoding, chosen):
    path = write(tmp_path / "page.txt", text.encode(encoding))
    (doc,) = read_all([path])
    assert isinstance(doc, RawDoc) and doc.content == text
    (warning,) = doc.warnings
    assert "not UTF-8" in warning and f"decoded as {chosen}" in warning


def test_inputs_utf8_text_has_no_encoding_warning(tmp_path):
    (doc,) = read_all([write(tmp_path / "page.txt", "Caf\xe9 au lait.")])
    assert doc.warnings == []


def test_inputs_non_utf8_json_records_carry_the_warning(tmp_path):
    path = write(tmp_path / "e.jsonl", '{"text": "Caf\xe9 d\xe9j\xe0 vu, the mayor said."}\n'.encode("cp1252"))
    (doc,) = read_all([path])
    assert doc.content == "Caf\xe9 d\xe9j\xe0 vu, the mayor said." and "decoded as cp1252" in doc.warnings[0]


def test_inputs_encoding_warning_reaches_the_article(tmp_path):
    from storyline.article.extract import extract_article
    from storyline.core.options import Options

    text = "The harbour caf\xe9 reopened on Monday, the owner said. \u201cWe are back,\u201d she told reporters."
    (doc,) = read_all([write(tmp_path / "page.txt", text.encode("cp1252"))])
    article = extract_article(doc, Options())
    assert article.body == text and any("decoded as cp1252" in w for w in article.warnings)


def test_inputs_unsupported_files_in_folders_are_listed_and_junk_is_left_out(tmp_path):
    write(tmp_path / "a.txt", "One paragraph of news, the mayor said.")
    write(tmp_path / "scan.pdf", b"%PDF-1.4 not read")
    write(tmp_path / "sub" / "notes.md", "not an input format")
    write(tmp_path / ".DS_Store", b"\x00\x01junk")
    write(tmp_path / ".git" / "config", "[core]")
    write(tmp_path / "draft.txt~", "editor backup")
    manifest = write(tmp_path / "manifest.csv", "source,outlet\na.txt,Wire\n")
    records = list(read_sources(list(expand([str(tmp_path)], load_manifest(manifest)))))
    assert [(Path(r.source).name, type(r).__name__) for r in records] == [
        ("a.txt", "RawDoc"), ("scan.pdf", "Skipped"), ("notes.md", "Skipped")]
    assert [r.reason for r in records[1:]] == ["unsupported type (.pdf)", "unsupported type (.md)"]
    without_manifest = [Path(s).name for s in expand([str(tmp_path)])]
    assert "manifest.csv" in without_manifest


def test_inputs_a_file_named_explicitly_is_read_by_its_content(tmp_path):
    page = write(tmp_path / "story.php", "<!DOCTYPE html><html><body><p>Body.</p></body></html>")
    scan = write(tmp_path / "scan.pdf", b"%PDF-1.4\x00\x01\x02")
    doc, skipped = read_all(list(expand([str(page), str(scan)])))
    assert doc.fmt == "html" and skipped.reason == "binary file (contains NUL bytes)"
