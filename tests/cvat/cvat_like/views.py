"""The few CVAT endpoints the tests need, written the way CVAT (dj-rest-auth + DRF) has them, and a
tiny stand-in for CVAT's UI."""
from django.contrib.auth import authenticate, login as django_login, logout as django_logout
from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpResponse
from django.views.decorators.csrf import ensure_csrf_cookie
from rest_framework import permissions, status
from rest_framework.authtoken.models import Token
from rest_framework.response import Response
from rest_framework.views import APIView


class LoginView(APIView):
    """dj-rest-auth's LoginView with REST_SESSION_LOGIN: a session and the user's token key."""
    permission_classes = [permissions.AllowAny]
    authentication_classes = []

    def post(self, request):
        user = authenticate(request, username=request.data.get("username", ""),
                            password=request.data.get("password", ""))
        if user is None:
            return Response({"non_field_errors": ["Unable to log in with provided credentials."]},
                            status=status.HTTP_400_BAD_REQUEST)
        django_login(request, user)
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"key": token.key})


class LogoutView(APIView):
    """dj-rest-auth's LogoutView: deletes the token, ends the Django session (user_logged_out)."""
    permission_classes = [permissions.AllowAny]

    def post(self, request):
        try:
            request.user.auth_token.delete()
        except (AttributeError, ObjectDoesNotExist):
            pass
        django_logout(request)
        return Response({"detail": "Successfully logged out."}, status=status.HTTP_200_OK)


class RegisterView(APIView):
    """CVAT's RegisterViewEx (dj-rest-auth's RegisterView and RegisterSerializer with allauth):
    the account with its address as allauth's EmailAddress, unverified (CVAT 2.4's
    ACCOUNT_EMAIL_VERIFICATION is "none": nobody ever checks it), and the key of its token."""
    permission_classes = [permissions.AllowAny]
    authentication_classes = []

    class _Form:  # what allauth's adapter.save_user reads, as dj-rest-auth's serializer gives it
        def __init__(self, cleaned_data):
            self.cleaned_data = cleaned_data

    def post(self, request):
        from allauth.account import app_settings as allauth_settings
        from allauth.account.adapter import get_adapter
        from allauth.account.utils import complete_signup, setup_user_email
        from django.contrib.auth.models import User

        data = {name: str(request.data.get(name, "")) for name in
                ("username", "email", "password1", "password2", "first_name", "last_name")}
        if not data["username"] or not data["password1"] or data["password1"] != data["password2"]:
            return Response({"detail": "username, password1 and password2 (equal) are required"},
                            status=status.HTTP_400_BAD_REQUEST)
        if User.objects.filter(username__iexact=data["username"]).exists():
            return Response({"username": ["A user with that username already exists."]},
                            status=status.HTTP_400_BAD_REQUEST)
        adapter = get_adapter()
        user = adapter.new_user(request._request)
        user = adapter.save_user(request._request, user, self._Form(data), commit=False)
        user.save()
        setup_user_email(request._request, user, [])
        token, _ = Token.objects.get_or_create(user=user)
        complete_signup(request._request, user, allauth_settings.EMAIL_VERIFICATION, None)
        return Response({"username": user.username, "email": user.email, "email_verification_required": False,
                         "key": token.key}, status=status.HTTP_201_CREATED)


class UserView(APIView):
    """CVAT's /api/users/<id> (UserViewSet: retrieve, partial update, destroy), for its admins."""
    permission_classes = [permissions.IsAdminUser]

    @staticmethod
    def _user(pk):
        from django.contrib.auth.models import User
        return User.objects.filter(pk=pk).first()

    def patch(self, request, pk):
        user = self._user(pk)
        if user is None:
            return Response(status=status.HTTP_404_NOT_FOUND)
        if "is_active" in request.data:
            user.is_active = bool(request.data["is_active"])
            user.save(update_fields=["is_active"])
        return Response({"id": user.id, "is_active": user.is_active})

    def delete(self, request, pk):
        user = self._user(pk)
        if user is None:
            return Response(status=status.HTTP_404_NOT_FOUND)
        user.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class SelfView(APIView):
    """CVAT's GET /api/users/self."""
    def get(self, request):
        user = request.user
        return Response({
            "id": user.id, "username": user.username, "email": user.email,
            "first_name": user.first_name, "last_name": user.last_name,
            "groups": sorted(g.name for g in user.groups.all()),
            "is_active": user.is_active,
        })


UI_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>CVAT-like</title>
<style>body{font-family:sans-serif;margin:3em}button,a.button{font-size:1.1em;margin:.3em;padding:.4em 1em;
display:inline-block;border:1px solid #888;border-radius:4px;background:#f4f4f4;color:#000;text-decoration:none}
#who{font-size:1.4em}</style></head>
<body><h1>CVAT-like test server</h1><div id="content">Loading...</div>
<script>
const content = document.getElementById('content');
const cookie = name => (document.cookie.split('; ').find(c => c.startsWith(name + '=')) || '').split('=')[1] || '';
function authHeaders() {
  const h = {'X-CSRFToken': cookie('csrftoken')};
  const key = localStorage.getItem('token');
  if (key) h['Authorization'] = 'Token ' + key;
  return h;
}
function esc(s) { const d = document.createElement('div'); d.textContent = s; return d.innerHTML; }
async function loginPage() {
  const r = await fetch('/api/auth/social/methods/');
  const methods = r.ok ? await r.json() : {};
  let html = '<p id="signed-out">Not signed in.</p>';
  for (const [slug, m] of Object.entries(methods)) {
    if (m.is_enabled) html += '<a class="button" href="/api/auth/' + slug + '/login/?next=/">Sign in with ' + esc(m.public_name) + '</a>';
  }
  content.innerHTML = html;
}
async function socialApp() {
  // CVAT UI's second step: trade socialgate's one-time code for the key.
  const q = new URLSearchParams(location.search);
  // CVAT 2.4's UI: /auth/login-with-oidc/ for auth_config.yml IdPs (provider is the IdP's id).
  const oidc = location.pathname.startsWith('/auth/login-with-oidc');
  const r = await fetch('/api/auth/' + (oidc ? 'oidc/' : '') + q.get('provider') + '/login/token', {method: 'POST',
    headers: {'Content-Type': 'application/json'},
    body: JSON.stringify({code: q.get('code'), process: q.get('process') || 'login',
                          scope: q.get('scope') || '', auth_params: q.get('auth_params') || '{}'})});
  if (!r.ok) { content.innerHTML = '<p id="error">Sign-in failed: ' + esc(await r.text()) + '</p>'; return; }
  localStorage.setItem('token', (await r.json()).key);
  location.replace('/');
}
async function home() {
  const r = await fetch('/api/users/self', {headers: authHeaders()});
  if (r.status !== 200) { location.replace('/auth/login'); return; }
  const u = await r.json();
  content.innerHTML = '<p id="who">Signed in to CVAT as <b id="name">' + esc((u.first_name + ' ' + u.last_name).trim()) +
    '</b> (<span id="username">' + esc(u.username) + '</span>), groups: <span id="groups">' + esc(u.groups.join(', ')) + '</span></p>' +
    '<p><a class="button" id="account" href="/api/auth/social/account/">Account</a>' +
    '<button id="logout">Sign out</button></p>';
  document.getElementById('logout').onclick = async () => {
    await fetch('/api/auth/logout', {method: 'POST', headers: authHeaders()});
    localStorage.removeItem('token');
    location.replace('/auth/login');
  };
}
if (location.pathname.startsWith('/auth/login-with-social-app') ||
    location.pathname.startsWith('/auth/login-with-oidc')) socialApp();
else if (location.pathname.startsWith('/auth/login')) loginPage();
else home();
</script></body></html>
"""


@ensure_csrf_cookie
def ui(request, path=""):
    return HttpResponse(UI_PAGE, content_type="text/html; charset=utf-8")
