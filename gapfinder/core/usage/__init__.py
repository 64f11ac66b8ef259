"""How code uses each collaborator, read from its `ast`: scaffold shapes its doubles from these
trees and doctor checks existing doubles against them, so the two agree by construction."""
