"""Self-contained HTML pages for people: the build report (build_report.py) and the helpers any
page uses (page.py: document, sections, tables, inline SVG plots; graph.py: a model's graph)."""
