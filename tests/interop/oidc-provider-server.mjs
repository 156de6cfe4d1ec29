// A certified OpenID provider (the npm package oidc-provider) on loopback, for socialgate's
// interop test:  node oidc-provider-server.mjs PORT REDIRECT_URI
// Its development login form accepts any login name; the account's email is <login>@interop.example.
import Provider from 'oidc-provider';

const [port, redirectUri] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'interop-client',
    client_secret: 'interop-secret-0123456789',
    redirect_uris: [redirectUri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true } },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name', 'preferred_username'],
  },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return { sub: id, email: `${id}@interop.example`, email_verified: true, name: `Interop ${id}`,
                 given_name: 'Interop', family_name: id, preferred_username: id };
      },
    };
  },
  cookies: { keys: ['interop-cookie-signing-key'] },
});

provider.listen(Number(port), '127.0.0.1', () => {
  console.log(JSON.stringify({ event: 'listening', port: Number(port), issuer }));
});
