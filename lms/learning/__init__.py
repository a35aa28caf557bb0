from flask import Blueprint

bp = Blueprint("learning", __name__)
