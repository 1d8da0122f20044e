"""The Meridian API client."""

from __future__ import annotations

from ._packages import PackagesMixin

__all__ = ["Client"]


class Client(PackagesMixin):
    """A client for one Meridian server's REST API (``/api/v1``).

    >>> from meridian_client import Client
    >>> client = Client("https://meridian.example.org", api_key="mrd_...")  # doctest: +SKIP
    >>> for ds in client.iter_datasets("my-observatory"):  # doctest: +SKIP
    ...     print(ds.name, ds.file_count)

    ``server_url`` and ``api_key`` default to the environment (``MERIDIAN_SERVER``, ``MERIDIAN_API_KEY``) and
    then to the configuration file (``MERIDIAN_CONFIG_FILE`` or ``~/.config/meridian/config.toml``, keys
    ``server`` and ``api_key``); see :mod:`meridian_client.config`. Without a key only public data can be read.
    The key is sent as ``Authorization: Bearer <key>``.

    Keyword arguments:

    * ``timeout`` -- seconds for connecting, and between bytes of an answer (default 60);
    * ``max_retries`` -- further attempts after a connection error, a 5xx or a 429 (default 5);
      ``backoff_factor`` and ``max_backoff`` shape the exponential back-off (0.5 s, 1 s, 2 s, ... at most 30 s,
      with jitter; at least ``Retry-After``); ``max_retry_wait`` is the longest ``Retry-After`` worth waiting
      for (longer: the error is raised at once);
    * ``transport`` -- an ``httpx`` transport (tests, proxies); ``verify`` -- TLS verification (``False``, or a
      CA bundle path); ``user_agent``.

    Errors are raised as :class:`~meridian_client.MeridianError` subclasses carrying the problem+json body.
    Use the client as a context manager, or call :meth:`close`, to release its connections.
    """
