"""The Microsoft Teams adapter (Bot Framework). Every botbuilder import lives in this package."""
