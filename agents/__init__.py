"""The actors of the build-out, one module each."""

from agents.chip_vendor import ChipVendor
from agents.government import Government
from agents.investor import Investor
from agents.lab import AILab
from agents.utility import Utility

__all__ = ["AILab", "ChipVendor", "Government", "Investor", "Utility"]
