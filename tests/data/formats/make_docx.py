"""Regenerate the .docx fixtures: `python tests/data/formats/make_docx.py`.

Kept beside the committed .docx files so a reviewer can see exactly what is in them
(a .docx is a zip and shows nothing in a diff). Paragraph numbers in the expected files
count every paragraph, empty ones and table cells included.
"""
from pathlib import Path

import docx

HERE = Path(__file__).parent


def cold_call_script(path: Path) -> None:
    document = docx.Document()
    document.add_heading("Cold call: logistics platform teams", level=1)  # 1
    document.add_paragraph("Rep: Hi {first_name}, this is Sam from Northwind.")  # 2
    document.add_paragraph("Prospect: Hi Sam, what's this about?")  # 3
    document.add_paragraph(  # 4
        "Rep: Teams like {company} lose a day per release to manual sign-offs. "
        "Northwind replaces that with one automated check."
    )
    document.add_paragraph("So you ship on Friday without the 2 a.m. page.")  # 5: continues the rep's turn
    document.add_paragraph("")  # 6
    document.add_heading("Objection handling", level=2)  # 7
    table = document.add_table(rows=2, cols=2)  # cells: 8, 9, 10, 11
    table.cell(0, 0).text = "Prospect: We already use Jenkins."
    table.cell(0, 1).text = "Rep: Keep Jenkins. Northwind checks every deploy before it ships."
    table.cell(1, 0).text = "Prospect: Is it expensive?"
    table.cell(1, 1).text = "Rep: We're the cheapest tool out there, and I can do 30% off today."
    document.add_paragraph("Rep: Would Tuesday at 10 work for a 20-minute demo?")  # 12
    document.core_properties.author = "Northwind Sales Enablement"
    _save(document, path)


def voicemail_script(path: Path) -> None:
    document = docx.Document()
    document.add_heading("Voicemail, second touch", level=1)  # 1
    document.add_paragraph("Hi {{ first_name }}, Sam Lee from Northwind again.")  # 2
    document.add_paragraph(  # 3
        "Your data stays in your own cloud account, and every deploy is checked before it ships."
    )
    document.add_paragraph("I'll send a short note with times for Tuesday.")  # 4
    _save(document, path)


def _save(document, path: Path) -> None:
    core = document.core_properties
    core.created = core.modified = core.last_printed = __import__("datetime").datetime(2025, 3, 1)
    core.revision = 1
    document.save(path)


if __name__ == "__main__":
    cold_call_script(HERE / "cold_call_script.docx")
    voicemail_script(HERE / "voicemail_script.docx")
