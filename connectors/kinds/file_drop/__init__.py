"""The file-drop kind: JSON Lines files in a front-end directory (前置机), each taken once, whole."""
