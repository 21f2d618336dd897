"""Audience analysis: the comments of a tracked account's recent posts and their
commenters, crossed with the follower history (docs/audience.md)."""
