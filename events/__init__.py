"""A recruitment event and job-fair manager: talent trains, night markets and job fairs."""
