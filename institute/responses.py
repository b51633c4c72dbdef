"""Responses that carry a generated file, for every app's views."""

from django.http import HttpResponse

PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def file_response(data: bytes, filename: str, content_type: str, *, inline: bool) -> HttpResponse:
    """A generated file: PDFs open in the browser, spreadsheets are downloaded."""
    response = HttpResponse(data, content_type=content_type)
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response
