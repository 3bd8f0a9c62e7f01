"""Trained artefacts (the judge, JSON) and their model card, installed as plumbline.models."""
