"""Message understanding, offline on CPU: intent, emotion colour and entities of a
shopper's message (issue 6). ``normalize`` folds traditional characters and full-width
forms, ``model`` trains and saves a character n-gram classifier on any label set and
``linear`` applies it with numpy alone, ``default`` builds the shipped 31-code model from
examples we wrote, ``emotion`` and ``entities`` are rule-based, and ``predict`` puts them
together for ``kefu intent``."""
