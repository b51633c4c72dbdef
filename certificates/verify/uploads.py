"""The upload of a file to check, held in memory only and cut off past its limit: Django's
own handlers would write a large upload to a temporary file, and the check of a file
promises that nothing of it is stored."""

import io

from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopFutureHandlers
from django.http import HttpRequest


class MemoryOnlyUpload(FileUploadHandler):
    """Keeps the uploaded file in memory up to `limit` bytes; past it the file is dropped
    (the rest of the request is read and discarded) and `too_large` is set."""

    def __init__(self, request: HttpRequest, *, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.too_large = False
        self.buffer: io.BytesIO | None = None

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.buffer = io.BytesIO()
        raise StopFutureHandlers()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        if self.buffer is None or self.too_large:
            return None
        if self.buffer.tell() + len(raw_data) > self.limit:
            self.too_large = True
            self.buffer = None
            return None
        self.buffer.write(raw_data)
        return None

    def file_complete(self, file_size: int) -> InMemoryUploadedFile | None:
        if self.buffer is None:
            return None
        self.buffer.seek(0)
        return InMemoryUploadedFile(
            file=self.buffer,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=file_size,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )
