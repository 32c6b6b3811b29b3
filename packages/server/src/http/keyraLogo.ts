/** KEYRA's mark and name for the API reference's top bar (white text on Swagger UI's dark bar). */
export const KEYRA_LOGO_SVG = Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 132 32" width="132" height="32">' +
    '<rect width="32" height="32" rx="7" fill="#3b3bd1"/>' +
    '<path d="M10 7h4v7.5L20.5 7H25l-7.2 8L25.5 25H21l-5.8-7.6L14 18.7V25h-4z" fill="#fff"/>' +
    '<text x="42" y="23" font-family="system-ui,sans-serif" font-size="20" font-weight="700" fill="#fff">KEYRA</text>' +
    '</svg>',
);

/** The square mark alone, as the API reference's favicon. */
export const KEYRA_ICON_SVG = Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#3b3bd1"/><path d="M10 7h4v7.5L20.5 7H25l-7.2 8L25.5 25H21l-5.8-7.6L14 18.7V25h-4z" fill="#fff"/></svg>',
);
