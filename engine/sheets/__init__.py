"""Inspection spreadsheets: the questionnaire of a kind of place as a sheet to fill (template), a
filled sheet judged row by row with the verdict written beside each row (judging), large sheets
judged in worker processes (pool). Above the engine's core, beside engine.present, whose documents
and words it uses."""
