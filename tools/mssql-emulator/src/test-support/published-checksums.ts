/**
 * Values of SQL Server's CHECKSUM family that were published by people who ran them on real
 * servers — the reference the emulator's checksums are tested against (never the emulator
 * itself).
 */

/**
 * CHECKSUM(CHAR(1) + CHAR(c)) for c = 1…255 under SQL_Latin1_General_CP1_CI_AS, as a real server
 * returned them: the rows starting `1,` of data/pairs.csv in
 * https://github.com/neilodonuts/tsql-checksum-javascript (c = 32 is CHAR(1) followed by a
 * trailing space, which counts for nothing).
 */
export const checksumAfterCharOne: readonly number[] = [
  17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
  14, 15, 1, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 148, 149, 150, 151, 152, 153, 154,
  155, 156, 157, 32, 33, 34, 35, 36, 37, 38, 158, 159, 128, 129, 130, 131, 132, 133, 134, 135, 136, 137, 138,
  139, 140, 141, 142, 143, 176, 177, 178, 179, 180, 181, 182, 183, 39, 40, 41, 42, 43, 44, 158, 159, 128, 129,
  130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 140, 141, 142, 143, 176, 177, 178, 179, 180, 181, 182,
  183, 45, 46, 47, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 64, 65, 66, 67, 68, 69, 70,
  71, 72, 73, 74, 75, 76, 77, 78, 79, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125,
  126, 127, 96, 97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 144, 145, 670, 926,
  1182, 1438, 1694, 1950, 6258, 384, 642, 898, 1154, 1410, 390, 646, 902, 1158, 184, 395, 396, 652, 908, 1164,
  1420, 146, 1676, 434, 690, 946, 1202, 438, 185, 6816, 670, 926, 1182, 1438, 1694, 1950, 6258, 384, 642, 898,
  1154, 1410, 390, 646, 902, 1158, 184, 395, 396, 652, 908, 1164, 1420, 147, 1676, 434, 690, 946, 1202, 438,
  185, 694,
];

/**
 * More rows of the same file: CHECKSUM(CHAR(a) + CHAR(b)) for other first characters, as
 * [a, b, value].
 */
export const checksumPairs: readonly (readonly [number, string, number])[] = [
  [1, 'A', 158],
  [1, 'a', 158],
  [1, '0', 148],
  [1, ':', 32],
  [1, '~', 80],
  [1, '€', 82],
  [1, ' ', 1],
  [26, 'À', 814],
  [26, 'Á', 558],
  [26, 'Æ', 882],
  [26, 'Ç', 48],
  [26, 'Ù', 2],
  [26, 'ß', 416],
  [26, 'ÿ', 774],
  [27, '~', 496],
  [28, 'S', 352],
  [29, '\u00a0', 434],
  [30, 'Æ', 1906],
  [32, 'À', 142],
  [32, 'Æ', 14706],
  [33, '!', 561],
  [33, 'z', 695],
  [33, 'Ø', 1164],
  [34, 'Q', 702],
  [34, 'Ú', 130],
  [35, '#', 531],
  [35, 'ÿ', 150],
  [36, '$', 612],
  [36, '~', 512],
];

/**
 * CHECKSUM_AGG(CHECKSUM(Value)) per Category is 0 for every category of the question
 * https://stackoverflow.com/questions/11994430 ("What conditions cause CHECKSUM_AGG to return
 * 0?"), and CHECKSUM_AGG over 2, 3, 4, 5 is 0 too.
 */
export const zeroAggregates: readonly (readonly string[])[] = [
  ['a', 'b', 'c', 'd'],
  ['aa', 'bb', 'cc', 'dd'],
  ['aaa', 'bbb', 'ccc', 'ddd'],
  ['aaaaaa', 'bbbbbb', 'cccccc', 'dddddd'],
  [
    'a',
    'b',
    'c',
    'd',
    'aa',
    'bb',
    'cc',
    'dd',
    'aaa',
    'bbb',
    'ccc',
    'ddd',
    'aaaaaa',
    'bbbbbb',
    'cccccc',
    'dddddd',
  ],
];
