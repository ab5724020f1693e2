"""Arabic text layer: normalization with offset maps, sentences, numbers, money, dates,
casualties, items and the gazetteer. Knows nothing of tasks, backends or runs."""
