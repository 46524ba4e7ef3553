"""The review page: the annotator's side of the loop, in a browser (``vasr review OUT``).

`session` is the run as the page sees it (sequences, frames, corrections, re-runs), `server` the local web
server, `export` a static copy of the review for sharing; ``static/`` holds the page itself."""
