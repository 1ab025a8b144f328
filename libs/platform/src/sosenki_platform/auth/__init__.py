from sosenki_platform.auth.tokens import Principal, TokenVerifier, mint_token

__all__ = ["Principal", "TokenVerifier", "mint_token"]
