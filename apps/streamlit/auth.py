"""Who is using the dashboard: the identity recorded on every acknowledgement and approval.

``COO_DASHBOARD_AUTH`` (read on each rerun) chooses where it comes from:

* ``local`` (default): the configured operator, ``COO_OPERATOR`` (role ``COO_OPERATOR_ROLE``).
  For one person on their own machine; anyone who can reach the port acts as that person, so
  ``coo dashboard`` binds to loopback.
* ``oidc``: Streamlit's built-in OpenID Connect login (``st.login`` / ``st.user``, configured
  in ``.streamlit/secrets.toml`` ``[auth]``). The role is the first of the ``roles`` or
  ``groups`` claims, else ``COO_OPERATOR_ROLE``.
* ``header``: a trusted reverse proxy (oauth2-proxy, an identity-aware proxy) that
  authenticates and passes the user in the header named ``COO_AUTH_HEADER`` (and, optionally,
  the role in ``COO_ROLE_HEADER``). Only safe when the dashboard is reachable through that
  proxy alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from core.settings import get_settings
from odoo_api.errors import ConfigError

MODES = ("local", "oidc", "header")


@dataclass(frozen=True)
class User:
    name: str
    role: str
    mode: str


def auth_mode() -> str:
    mode = (get_settings().coo_dashboard_auth or "local").strip().lower()
    if mode not in MODES:
        raise ConfigError(
            f"COO_DASHBOARD_AUTH={mode!r} is not one of {', '.join(MODES)}: "
            "use local (COO_OPERATOR), oidc (st.login) or header (COO_AUTH_HEADER)"
        )
    return mode


def _default_role() -> str:
    return get_settings().coo_operator_role or "coo"


def current_user() -> User:
    """The signed-in user; stops the script run with a sign-in prompt when there is none."""
    mode = auth_mode()
    if mode == "local":
        return User(get_settings().coo_operator or "operator", _default_role(), mode)
    if mode == "oidc":
        claims = st.user.to_dict()
        if not claims.get("is_logged_in"):
            st.title("AI COO")
            st.write("Sign in to see the dashboard and approve actions.")
            st.button("Sign in", on_click=st.login, icon=":material/login:")
            st.stop()
        roles: object = claims.get("roles") or claims.get("groups") or []
        role = str(roles[0]) if isinstance(roles, list) and roles else _default_role()
        name = str(claims.get("email") or claims.get("name") or claims.get("sub") or "unknown")
        return User(name, role, mode)
    header = get_settings().coo_auth_header
    if not header:
        raise ConfigError(
            "COO_DASHBOARD_AUTH=header needs COO_AUTH_HEADER, the header your proxy sets "
            "(e.g. X-Forwarded-Email)"
        )
    user = st.context.headers.get(header)
    if not user:
        st.error(f"No {header} header on this request: open the dashboard through the proxy.")
        st.stop()
    role_header = get_settings().coo_role_header
    role = (st.context.headers.get(role_header) if role_header else None) or _default_role()
    return User(str(user), str(role), mode)
