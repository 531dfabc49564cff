// The API explorer: Swagger UI (from the swagger-ui-dist package, bundled here:
// no CDN) over the gateway's merged /openapi.json. Calls made with "Try it out"
// carry the console's sign-in token.

import SwaggerUIBundle from 'swagger-ui-dist/swagger-ui-bundle.js';
import 'swagger-ui-dist/swagger-ui.css';
import './explorer.css';
import { parseToken, storedToken } from './session';

const token = storedToken();
const who = document.getElementById('explorer-auth');
if (who) {
  try {
    const s = parseToken(token);
    who.textContent = `${s.name} (${s.user}) — calls are sent with this sign-in`;
  } catch {
    who.textContent = 'Not signed in: sign in on the console to try calls';
  }
}

SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger',
  deepLinking: true,
  docExpansion: 'none',
  defaultModelsExpandDepth: 0,
  tryItOutEnabled: false,
  requestInterceptor: (req: { headers: Record<string, string> }) => {
    if (token && !req.headers.Authorization) req.headers.Authorization = `Bearer ${token}`;
    return req;
  },
});
