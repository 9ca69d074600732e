import ForgeReconciler from '@forge/react';
import { Report } from './Report';

/** The dashboard gadget: every project the viewer may browse. */
ForgeReconciler.render(<Report title="SLA report" />);
