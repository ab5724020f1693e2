"""The default task: Arabic conflict events (aid, contacts, agreements, ceasefires, attacks)."""
