"""PLACEHOLDER: replaced by the archive/decompression module."""


def load_bytes(path):
    raise NotImplementedError
