"""PLACEHOLDER: replaced by the fit reader."""

FIT_DECODERS = ("fitdecode", "fitparse")


def read_fit_bytes(data, *, source, decoder="fitdecode", include_non_running=False):
    raise NotImplementedError
