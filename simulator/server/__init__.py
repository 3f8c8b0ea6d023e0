"""A loopback HTTP server that answers like a real Odoo 19 server, over a simulated database.

Clients (the extractor, the write-back, a person with ``curl``) must not be able to tell it
from Odoo: the same routes (``/json/2/<model>/<method>``, ``/jsonrpc``, ``/xmlrpc/2/*`` and the
v1 ``/xmlrpc/*``, ``/web/version``, ``/json/version``), the same status codes, headers, error
bodies and fault codes as the captures in ``simulator/odoo19/samples`` (see
``simulator/odoo19/API.md``). The data and the business rules live in the store
(``simulator.store.OdooStore``); this package is only the protocol layer, plus fault
injection (``simulator.faults``) so retry logic can be tested against a live socket.

Design notes
------------
* ``ThreadingHTTPServer`` with daemon threads and HTTP/1.1 keep-alive, so a client's
  connection pool is reused and one test process can run many servers on port 0.
* Store calls are serialised by one lock per server: the store models one database where
  each call is one transaction, and serialising is what keeps those transactions atomic
  without asking the store to be thread-safe. Encoding happens outside the lock.
* Secrets never reach the logs: request bodies (passwords, ``execute_kw``'s password
  argument) and the ``Authorization`` header are never logged.
"""

from __future__ import annotations

import logging

from simulator.server.http_server import SimulatorServer, serve_forever
from simulator.server.protocol import WriteCall
from simulator.versions import ODOO_19

__all__ = ["ODOO_19", "SimulatorServer", "WriteCall", "serve_forever"]

logger = logging.getLogger(__name__)
