"""Datasets. Nothing here touches the network."""
from lessons.data.toy import GATES, blobs, gate

__all__ = ["GATES", "gate", "blobs"]
