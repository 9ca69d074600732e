import ForgeReconciler from '@forge/react';
import { Report } from './Report';

/** The project page: the resolver reads the project from the page's context. */
ForgeReconciler.render(<Report title="SLA report" />);
