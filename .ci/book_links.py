#!/usr/bin/env python3
"""Link check of the built guide (.ci/book.sh): every internal link and #anchor of
every page resolves, and every image and script exists. External links cannot be
fetched on the CI machine: they are listed and checked to be well-formed URLs.

Usage: book_links.py BUILT_DIR   (mdbook's html output). Exit status 1 on a broken link.
"""
import html.parser
import pathlib
import sys
import urllib.parse


class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.links, self.base = set(), [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("id", "name"):
            if attrs.get(key):
                self.ids.add(attrs[key])
        if tag == "base":
            self.base = attrs.get("href")
        for key in ("href", "src"):
            if attrs.get(key) is not None and tag in ("a", "img", "link", "script", "iframe"):
                self.links.append((tag, attrs[key], self.getpos()[0]))


def main():
    root = pathlib.Path(sys.argv[1]).resolve()
    pages = {}
    for path in root.rglob("*.html"):
        page = Page()
        page.feed(path.read_text(errors="replace"))
        pages[path] = page
    broken, external = [], set()
    for path, page in sorted(pages.items()):
        if page.base is not None:
            continue  # 404.html resolves against the site's URL, unknown here
        for tag, link, line in page.links:
            where = f"{path.relative_to(root)}:{line}"
            parts = urllib.parse.urlsplit(link)
            if parts.scheme in ("http", "https"):
                if not parts.netloc or " " in link:
                    broken.append(f"{where}: malformed URL {link!r}")
                external.add(link)
                continue
            if parts.scheme in ("mailto", "data", "javascript") or link.startswith("//"):
                continue
            if parts.scheme:
                broken.append(f"{where}: unknown scheme in {link!r}")
                continue
            target = path if not parts.path else (path.parent / urllib.parse.unquote(parts.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{where}: <{tag}> {link!r}: no file {target}")
                continue
            if parts.fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else set()
                if urllib.parse.unquote(parts.fragment) not in ids:
                    broken.append(f"{where}: {link!r}: no anchor #{parts.fragment} in {target.name}")
    print(f"{len(pages)} pages; {len(external)} external links (well-formed, not fetched):")
    for link in sorted(external):
        print(f"  {link}")
    broken = list(dict.fromkeys(broken))  # an element reported twice is one problem
    for problem in broken:
        print(f"BROKEN {problem}")
    if broken:
        print(f"{len(broken)} broken links")
        return 1
    print("every internal link, anchor and image resolves")
    return 0


if __name__ == "__main__":
    sys.exit(main())
