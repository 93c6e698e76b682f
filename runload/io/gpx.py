"""PLACEHOLDER: replaced by the gpx reader."""



def read_gpx_bytes(data, *, source, decoder="fitdecode", include_non_running=False):
    raise NotImplementedError
