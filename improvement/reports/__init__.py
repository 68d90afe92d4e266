"""PDF reports drawn with ReportLab: the one-page A3 of an initiative and the portfolio pack.

Every figure comes from the selectors the site's pages use; these modules only lay them out.
"""
