"""EASI Workshop: run "Effective and Appropriate Sharing of Information" workshops.

The package's layers (see README): `models` (what trainers write), `reference` (barriers, gateways,
levels, actions), `library` (load and check YAML), `store` and `workshop` (the engine), `picture` and
`debrief` (pure analysis), `simulate` (bots), `cli` and `ui` (shells).
"""

__version__ = "0.1.0"
