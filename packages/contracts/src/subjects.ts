/** Stream and subject names; tests pass a prefix so each file gets streams of its own. */
export interface StreamNames {
  tickets: string;
  dispatch: string;
  ticketSubject: (type: string) => string;
  ticketSubjects: string;
  dispatchSubject: (department: string) => string;
  dispatchSubjects: string;
}

export function streamNames(prefix = ''): StreamNames {
  const p = prefix ? `${prefix}.` : '';
  const s = prefix ? `${prefix.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_` : '';
  return {
    tickets: `${s}HOTLINE_TICKETS`,
    dispatch: `${s}HOTLINE_DISPATCH`,
    ticketSubject: (type) => `${p}hotline.ticket.${type}`,
    ticketSubjects: `${p}hotline.ticket.>`,
    dispatchSubject: (department) => `${p}hotline.dispatch.${department}`,
    dispatchSubjects: `${p}hotline.dispatch.>`,
  };
}
