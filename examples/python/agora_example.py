"""What the guide's examples do, against Agora: sign up, log in with the OAuth2 password
form, read /users/me, create products with tags, search, walk pages and upload a file.

    python3 examples/python/agora_example.py [BASE_URL]      # default http://127.0.0.1:8000

It needs `requests` (Debian: python3-requests). Written as the guide's clients are, with
the two changes the contract asks for: a bearer token on the routes that Agora protects,
and `GET /products` read as a page (`{"items": [...], "total", ...}`).
"""

import sys
import uuid

import requests

BASE_URL = (sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000").rstrip("/")


def check(response, status):
    """The response, once it has the expected status; else stop with what came instead."""
    if response.status_code != status:
        sys.exit(f"{response.request.method} {response.url}: {response.status_code} {response.text}")
    return response


# Sign up. A fresh address each run, so the example can run again on the same server.
email = f"ann.{uuid.uuid4().hex[:8]}@example.com"
password = "correct-horse-battery"
user = check(requests.post(f"{BASE_URL}/users", json={"name": "Ann", "email": email, "password": password, "age": 30}), 201).json()
print(f"signed up user {user['id']} ({user['email']})")

# Log in with the OAuth2 password form, as FastAPI's OAuth2PasswordRequestForm takes it.
token = check(requests.post(f"{BASE_URL}/login", data={"username": email, "password": password}), 200).json()
headers = {"Authorization": f"Bearer {token['access_token']}"}
print(f"logged in: a {token['token_type']} token for {token['expires_in']} s")

me = check(requests.get(f"{BASE_URL}/users/me", headers=headers), 200).json()
assert me["email"] == email, me
print(f"/users/me is {me['name']}")

# Products with tags: tags are trimmed, lower-cased and kept once.
for name, price, tags in [("Walnut desk", 420.0, ["Office", "wood"]), ("Desk lamp", 19.99, ["office", "light"]), ("Teapot", 24.5, ["kitchen"])]:
    product = check(requests.post(f"{BASE_URL}/products", json={"name": name, "price": price, "quantity": 5, "tags": tags}, headers=headers), 201).json()
    print(f"created product {product['id']}: {product['name']} {product['price']} {product['tags']}")

# Anyone lists products: a page, filtered and sorted. A trailing slash gets FastAPI's 307.
office = check(requests.get(f"{BASE_URL}/products/", params={"tag": "office", "sort": "-price"}), 200).json()
assert [item["name"] for item in office["items"]][:2] == ["Walnut desk", "Desk lamp"], office
print(f"{office['total']} office products, dearest first: {[item['name'] for item in office['items']]}")
second = check(requests.get(f"{BASE_URL}/products", params={"page": 2, "page_size": 2}), 200).json()
print(f"page {second['page']} of {second['pages']}: {[item['name'] for item in second['items']]}")

# Users: listed and searched with the token. Other users' e-mails are hidden.
users = check(requests.get(f"{BASE_URL}/users", params={"page": 1, "page_size": 5}, headers=headers), 200).json()
print(f"{users['total']} users, page {users['page']} of {users['pages']}")
found = check(requests.get(f"{BASE_URL}/search", params={"q": "Ann", "limit": 10}, headers=headers), 200).json()
assert any(found_user["id"] == user["id"] for found_user in found), found
print(f"search 'Ann': {len(found)} found")

# Upload a file (multipart field `file`) and read it back.
upload = check(requests.post(f"{BASE_URL}/upload", files={"file": ("notes.txt", b"Hello from Python\n", "text/plain")}, headers=headers), 201).json()
download = check(requests.get(f"{BASE_URL}{upload['url']}"), 200)
assert download.content == b"Hello from Python\n", download.content
print(f"uploaded {upload['filename']} ({upload['size']} bytes, {upload['content_type']}), downloaded from {upload['url']}")
print("done")
