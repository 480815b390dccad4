"""In-process fakes of the CRMs, as strict as the real APIs, for tests, the demo and the bench."""
