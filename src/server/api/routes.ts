import type { AnyRoute } from './route.js';
import { authRoutes } from './routes-auth.js';
import { staffRoutes } from './routes-staff.js';
import { pupilRoutes } from './routes-pupils.js';
import { photoRoutes } from './routes-photos.js';
import { cardRoutes } from './routes-cards.js';
import { menuRoutes } from './routes-menu.js';
import { benefitRoutes } from './routes-benefits.js';
import { schoolRoutes } from './routes-schools.js';
import { flagRoutes, tillRoutes } from './routes-tills.js';
import { accountRoutes, auditRoutes, moneyRoutes } from './routes-money.js';
import { reportRoutes } from './routes-reports.js';
import { exportJobRoutes } from './routes-export-jobs.js';
import { orderRoutes } from './routes-orders.js';
import { orderSetupRoutes } from './routes-order-setup.js';

/**
 * Every admin API route. A new route module adds its list here (see
 * docs/console.md, "How to add an API route"); the OpenAPI document and the
 * role-matrix test pick it up from there.
 */
export const ADMIN_ROUTES: AnyRoute[] = [
  ...authRoutes,
  ...staffRoutes,
  ...pupilRoutes,
  ...photoRoutes,
  ...cardRoutes,
  ...menuRoutes,
  ...benefitRoutes,
  ...schoolRoutes,
  ...tillRoutes,
  ...flagRoutes,
  ...accountRoutes,
  ...moneyRoutes,
  ...auditRoutes,
  ...reportRoutes,
  ...exportJobRoutes,
  ...orderRoutes,
  ...orderSetupRoutes,
];
