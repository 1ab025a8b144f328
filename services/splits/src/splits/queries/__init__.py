"""What people read, one module per subject: each query checks who may see it
(``splits/access.py``) and returns a typed view (``splits/views.py``). Read routes call these and
nothing else."""
