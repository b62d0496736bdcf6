"""A local FASHN + OpenAI-compatible server on loopback, with fault injection.

    from editor.sandbox import Sandbox
    with Sandbox(key="test-key") as sb:       # port 0 = a free port, zero delays
        client = Fashn(api_key="test-key", base_url=sb.url)
        openai = OpenAI(api_key="test-key", base_url=sb.url + "/v1")
        sb.inject("rate_limit", retry_after=2)  # the next POST /v1/run gets a 429
        sb.stats.jobs_created, sb.stats.status_polls, sb.jobs[job_id].status

Endpoints: ``POST /v1/run``, ``GET /v1/status/{id}``, ``GET /v1/credits`` (FASHN),
``POST /v1/images/edits`` (OpenAI, multipart, SSE with ``stream=true``) and
``GET /outputs/{id}/{n}.{ext}`` (result downloads, no auth). Real limits: /v1/run 50
per 60 s, /v1/status 50 per 10 s, /v1/credits 30 per 10 s (per key, sliding window,
429 RateLimitExceeded with Retry-After), 6 running jobs per key (429
ConcurrencyLimitExceeded), credits per seed 001 (429 OutOfCredits).

HTTP: h11 parses requests and python-multipart the uploads (``connections``, ``multipart``);
connections, worker threads, body sizes (256 MB in any transfer encoding) and idle / slow
clients are bounded by ``HttpLimits`` (``Sandbox(http=HttpLimits(...))``). Image URLs in
FASHN inputs are fetched only from this sandbox's outputs and the loopback origins given
with ``fetch_from``, same-origin redirects only, capped in size and time (``fetch``).

Test helpers (inputs in the services' formats, a paced status poller) live in
``editor.sandbox.testing``; the shared pytest fixture is ``sandbox`` in tests/conftest.py.

Faults: ``sb.inject(name, times=1, on=None, **params)``; ``on`` is an endpoint
(``run``, ``status``, ``credits``, ``openai``, ``output``) or a group (``api`` = the
first four, ``any`` = all), a string or a tuple. Default targets in brackets.

Refusals (answered instead of the real thing; nothing is created):
- ``rate_limit`` [run] 429 RateLimitExceeded; ``retry_after=N`` adds Retry-After.
- ``concurrency_limit`` [run] 429 ConcurrencyLimitExceeded (``retry_after`` too).
- ``out_of_credits`` [run] 429 OutOfCredits (OpenAI: 429 insufficient_quota).
- ``unauthorized`` [api] 401 UnauthorizedAccess / OpenAI invalid_api_key.
- ``server_error`` [api] ``status=500`` (or 502, 503) with a JSON error body.
- ``html_error`` [api] ``status=502``: an nginx-style HTML page (text/html).
- ``redirect`` [api] ``status=307`` to the same resource (then served normally).
- ``expired`` [status] 404 NotFound; the job stays expired (see ``Sandbox.expire``).
- ``huge_output`` [output] a download that never ends: ``mode="length"`` advertises
  Content-Length 10^12, ``mode="endless"`` streams chunks until the client hangs up.

Transport faults (the request is otherwise processed normally):
- ``reset_before_body`` [api] the connection is reset before the body is read.
- ``reset_after_body`` [api] the request is processed (a job IS created on /v1/run),
  then the connection is reset without an answer.
- ``malformed_json`` [api] the real answer, truncated (a job IS created on /v1/run).
- ``slow`` [api] ``seconds=5``: process, then wait before answering (read timeouts on
  submit, status, or with ``on="output"`` on download; a job IS created on /v1/run).

Job outcomes (attached to the next job / edit created):
- ``job_failed`` [run] ``name=`` ImageLoadError, InputValidationError,
  ContentModerationError, PipelineError (default), ThirdPartyError,
  InternalServerError (or any name), ``message=``; not charged.
- ``canceled`` [run] the job ends ``canceled``; not charged.
- ``stuck_processing`` [run] the job stays ``processing`` forever.
- ``bad_output_url`` [run] ``url="file:///etc/passwd"`` (or ``ftp://...``) as output.
- ``not_image_output`` [run, openai] outputs (URL bytes, data URIs, b64_json) are HTML.
- ``stream_error`` [openai] ``after=1``: an ``error`` event after N stream events.
"""

from editor.sandbox.connections import HttpLimits
from editor.sandbox.faults import FAULTS, JOB_ERROR_NAMES
from editor.sandbox.server import Sandbox, serve

__all__ = ["FAULTS", "JOB_ERROR_NAMES", "HttpLimits", "Sandbox", "serve"]
