"""Classification stage: statement text (+ English translation) → Verdict."""
