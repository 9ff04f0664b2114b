"""Chapter 10: the US book-store sales series Ekman forecasts (Census MRTS, NAICS 451211).

The CSV beside this file holds 348 months, January 1992 to December 2020, in millions of US
dollars, not seasonally adjusted (public domain; see bookstore_sales/README.md). Ekman's
chapter 9 uses January 1992 to March 2020: the first BOOK_MONTHS = 339 rows.
"""
from pathlib import Path

import numpy as np

from lessons.kernels import checks

SALES_CSV = Path(__file__).with_name("bookstore_sales") / "book_store_sales.csv"
BOOK_MONTHS = 339  # Jan 1992 .. Mar 2020, the span of Ekman's Fig. 9-10


def load_book_sales(months=BOOK_MONTHS):
    """(month labels ["Jan-92", ...], sales[months] float64 in millions of USD): the first
    `months` rows of the series (1..348; the book's 339 by default)."""
    months = checks.number("load_book_sales", "months", months, low=1, high=348, integer=True)
    rows = SALES_CSV.read_text(encoding="utf-8").split()[1:]  # skip the header
    labels = [row.split(",")[0] for row in rows[:months]]
    sales = np.array([float(row.split(",")[1]) for row in rows[:months]])
    return labels, sales
