"""What the reader sees: plots, pictures of digits, diagrams, the one slider shell and the sliders.
Imports the foundation and the theory; models reach it as arrays, never as imports of ``nets``."""
