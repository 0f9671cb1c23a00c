// Who may call the agent's API, and how a browser signs in to the dashboard.
export { ApiAccess, type ApiAccessOptions, UNIX_SOCKET } from './api-access.ts';
export { loginRoutes } from './login-routes.ts';
