/**
 * Where the messenger switches to its phone layout (one pane at a time). One query for the
 * components that choose a layout in script (the CSS says the same in its media queries) and for
 * the list snapshot, which is only shown in the layout it was drawn in (boot/list-snapshot.ts).
 */
export const PHONE_QUERY = '(max-width: 719px)';
