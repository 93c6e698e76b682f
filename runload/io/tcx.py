"""PLACEHOLDER: replaced by the tcx reader."""



def read_tcx_bytes(data, *, source, decoder="fitdecode", include_non_running=False):
    raise NotImplementedError
