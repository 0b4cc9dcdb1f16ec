"""What the fork server of batch workers loads once, before it forks them.

A batch's workers are forked from a server process (``multiprocessing``'s
*forkserver*) that imports this module when it starts: the extraction
modules, the lexicons and the segmenter's dictionary are loaded there once,
and each worker, forked from it, starts with them in place (a few
milliseconds) instead of loading them again (a third of a second each, as a
spawned interpreter does), and shares their memory with the other workers
until it writes to it.  The server is a fresh interpreter started by the
batch, so it holds none of the batch's open databases or files.

Importing this module anywhere else only warms up the calling process.
"""

from __future__ import annotations

import gc

from . import workers

workers.warm_up()
# out of the collector's sight in the server and so in every worker forked from it (see workers._serve)
gc.freeze()
