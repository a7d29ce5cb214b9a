"""The course: lesson sources, demo code and the demo runner. Never imports textual."""
