import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { quoteFieldErrors } from './quote.ts';
import { MONTHS, type QuoteCsv, readQuoteCsv, rowErrorLines, rowQuoteId } from './quote-csv.ts';

const errorsOf = (csv: QuoteCsv, file: string, line: number) => {
  const row = csv.rows.find((r) => r.line === line);
  if (!row) throw new Error(`no line ${line}`);
  const taken = new Set(row.errors.map((e) => e.path));
  return rowErrorLines(csv, file, row, [
    ...row.errors,
    ...quoteFieldErrors(row.quote).filter((e) => !taken.has(e.path)),
  ]);
};

describe('quote CSV layout', () => {
  it('reads the shipped example: three valid quotes, one B3 with an average and lat/lon, two B1 by city', () => {
    const csv = readQuoteCsv(
      readFileSync(new URL('../../../examples/quotes-inbox.csv', import.meta.url)),
      'quotes-inbox.csv',
    );
    expect(csv.ignored).toEqual([]);
    expect(csv.rows.map((r) => [r.line, r.quote.id, errorsOf(csv, 'quotes-inbox.csv', r.line)])).toEqual([
      [2, 'exemplo-csv-b1', []],
      [3, 'exemplo-csv-b3', []],
      [4, 'exemplo-csv-b1-pr', []],
    ]);
    expect(csv.rows[0]?.quote).toMatchObject({
      customer: { class: 'B1' },
      connection: 'bi',
      location: { city: 'Belo Horizonte' },
      financing: { monthlyRate: 0.0149, months: 60, downPaymentBrl: 5000 },
      price: { brlPerWp: 3.1 },
    });
    expect(csv.rows[1]?.quote).toMatchObject({
      customer: { class: 'B3' },
      consumption: { averageKwh: 2800 },
      location: { lat: -18.92, lon: -48.28 },
      financing: 'cash',
    });
  });

  it('a Latin-1 file with ";", decimal commas and Portuguese headers with units', () => {
    const bytes = Buffer.from(
      'Cliente;Classe;Distribuidora;UF;Cidade;Ligação;Consumo Médio (kWh);Inclinação (°);Azimute (°);Área (m²);Preço (R$/Wp);Taxa (% a.m.);Parcelas;Entrada (R$);Irradiação;Observação\r\n' +
        'João Conceição;b1;CEMIG-D;mg;São João del-Rei;Monofásico;1.234,5;18,5;10;32,5;3,05;1,2%;48;2.500,00;NASA;indicação\r\n',
      'latin1',
    );
    const csv = readQuoteCsv(bytes, 'vendas-latin1.csv');
    expect([csv.encoding, csv.delimiter]).toEqual(['windows-1252', ';']);
    expect(csv.ignored).toEqual(['Observação']);
    expect(csv.rows).toHaveLength(1);
    expect(csv.rows[0]?.quote).toEqual({
      id: 'csv-vendas-latin1-2',
      customer: { name: 'João Conceição', class: 'B1' },
      distribuidora: 'CEMIG-D',
      uf: 'MG',
      connection: 'mono',
      consumption: { averageKwh: 1234.5 },
      location: { city: 'São João del-Rei' },
      roof: { tiltDeg: 18.5, azimuthDeg: 10, areaM2: 32.5 },
      price: { brlPerWp: 3.05 },
      financing: { monthlyRate: 0.012, months: 48, downPaymentBrl: 2500 },
      irradiance: { source: 'nasa-power' },
    });
    expect(errorsOf(csv, 'vendas-latin1.csv', 2)).toEqual([]);
  });

  it('a "," file (UTF-8 with BOM): decimal points, quoted decimal commas, itemized price, twelve months', () => {
    const head = `\uFEFFid,cliente,classe,distribuidora,uf,lat,lon,ligacao,${MONTHS.map((m) => `Consumo ${m} (kWh)`).join(',')},inclinacao,azimute,area_m2,Item: Módulos (R$),Item: Inversor,item mão de obra\n`;
    const row = `P-001,Maria,B3,COPEL-DIS,PR,"-25,43",-49.27,tri,${MONTHS.map((_, i) => `"${800 + i},5"`).join(',')},20,0,60,"12.000,00",4500.50,3000\n`;
    const csv = readQuoteCsv(Buffer.from(head + row), 'itens.csv');
    expect(csv.delimiter).toBe(',');
    expect(csv.rows[0]?.quote).toMatchObject({
      id: 'p-001',
      location: { lat: -25.43, lon: -49.27 },
      consumption: { monthlyKwh: MONTHS.map((_, i) => 800 + i + 0.5) },
      price: {
        items: [
          { description: 'Módulos', brl: 12000 },
          { description: 'Inversor', brl: 4500.5 },
          { description: 'mão de obra', brl: 3000 },
        ],
      },
    });
    expect(errorsOf(csv, 'itens.csv', 2)).toEqual([]);
  });

  it('a bad row: one line per bad field, with file, row, the column as written and the cell', () => {
    const csv = readQuoteCsv(
      Buffer.from(
        'id,Cliente,Classe,distribuidora,UF,cidade,Ligação,Consumo médio,inclinacao,azimute,area_m2,preco_wp,taxa_financiamento,meses\n' +
          'ok-1,Ana,B1,CEMIG-D,MG,Belo Horizonte,bi,450,20,0,40,3.1,,\n' +
          'bad-1,,A4,CEMIG-D,Minas,,quad,abc,95,0,40,3.1,1.5,\n' +
          'ok-1,Bia,B1,CEMIG-D,MG,Contagem,mono,300,20,0,40,3.1,25,12\n',
      ),
      'vendas.csv',
    );
    expect(errorsOf(csv, 'vendas.csv', 2)).toEqual([]);
    expect(errorsOf(csv, 'vendas.csv', 3)).toEqual([
      'vendas.csv linha 3: Cliente: Expected required property (missing)',
      'vendas.csv linha 3: Classe: expected one of "B1", "B3" (valor "A4")',
      `vendas.csv linha 3: UF: Expected string to match '^[A-Z]{2}$' (valor "Minas")`,
      'vendas.csv linha 3: Ligação: expected one of "mono", "bi", "tri" (valor "quad")',
      'vendas.csv linha 3: Consumo médio: Expected number (valor "abc")',
      'vendas.csv linha 3: inclinacao: Expected number to be less or equal to 90 (valor "95")',
      'vendas.csv linha 3: meses: Expected required property (missing)',
      'vendas.csv linha 3: lat/lon ou cidade: sem coordenadas: informe lat/lon ou a cidade (city) para localizá-la',
    ]);
    expect(errorsOf(csv, 'vendas.csv', 4)).toEqual([
      'vendas.csv linha 4: id: repete o id da linha 2 (valor "ok-1")',
      'vendas.csv linha 4: taxa_financiamento: 25 % a.m. fora de 0–20 % a.m. (valor "25")',
    ]);
  });

  it('12 months and an average, or a price per Wp and items, are each one error', () => {
    const csv = readQuoteCsv(
      Buffer.from(
        'cliente;classe;distribuidora;uf;lat;lon;ligacao;consumo_jan;consumo_medio;inclinacao;azimute;area_m2;preco_wp;item_kit\n' +
          'Ana;B1;CEMIG-D;MG;-19,9;-43,9;bi;300;300;20;0;40;3,1;9000\n',
      ),
      'dois.csv',
    );
    expect(errorsOf(csv, 'dois.csv', 2)).toEqual([
      'dois.csv linha 2: consumo_medio: informe os 12 meses ou a média, não os dois (valor "300")',
      'dois.csv linha 2: preco_wp: informe preco_wp ou os itens (item_*), não os dois (valor "3,1")',
      'dois.csv linha 2: consumo_fev: Expected number (missing)',
      'dois.csv linha 2: consumo_mar: Expected number (missing)',
      ...MONTHS.slice(3).map((m) => `dois.csv linha 2: consumo_${m}: Expected number (missing)`),
    ]);
  });

  it('a file that is not a CSV, or not a quote CSV, is one error for the whole file', () => {
    const broken = readQuoteCsv(Buffer.from('cliente;classe\n"Ana;B1\n'), 'quebrado.csv');
    expect(broken.rows).toEqual([]);
    expect(broken.unreadable).toMatch(/^quebrado\.csv: não é um CSV legível: Quote Not Closed/);
    const feed = readQuoteCsv(
      Buffer.from('Fabricante;Modelo;Preço R$\nJA Solar;JAM72S30-550/MR;1.099,00\n'),
      'feed.csv',
    );
    expect(feed.rows).toEqual([]);
    expect(feed.unreadable).toBe(
      'feed.csv: o cabeçalho não tem as colunas do layout de cotações (cliente, classe, distribuidora…): Fabricante, Modelo, Preço R$',
    );
    expect(readQuoteCsv(Buffer.from('cliente;classe\n'), 'vazio.csv')).toMatchObject({ rows: [] });
    expect(readQuoteCsv(Buffer.from('cliente;classe\n'), 'vazio.csv').unreadable).toBeUndefined();
  });

  it('derived ids are stable, valid and distinct per file and line', () => {
    expect(rowQuoteId('Vendas Dezembro.csv', 7)).toBe('csv-vendas-dezembro-7');
    const long = `${'propostas-da-semana-'.repeat(4)}.csv`;
    expect(rowQuoteId(long, 2)).toMatch(/^csv-[a-z0-9-]{33}-[0-9a-f]{6}-2$/);
    expect(rowQuoteId(long, 2)).not.toBe(rowQuoteId(`${long}x.csv`, 2));
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.integer({ min: 2, max: 1_000_000 }), (name, line) => {
        expect(rowQuoteId(name, line)).toMatch(/^[a-z0-9][a-z0-9._-]{0,63}$/);
      }),
    );
  });

  it('never throws on any bytes, and every error line names the file and the row (property)', () => {
    const header = 'id;cliente;classe;uf;consumo_medio;lat;lon;preco_wp;item_x;taxa;meses\n';
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 400 }),
          fc
            .array(fc.array(fc.string({ maxLength: 8 }), { maxLength: 12 }), { maxLength: 6 })
            .map((rows) => Buffer.from(header + rows.map((r) => r.join(';')).join('\n'))),
        ),
        (bytes) => {
          const csv = readQuoteCsv(bytes, 'x.csv');
          if (csv.unreadable) expect(csv.unreadable.startsWith('x.csv: ')).toBe(true);
          for (const row of csv.rows) {
            const lines = rowErrorLines(csv, 'x.csv', row, [...row.errors, ...quoteFieldErrors(row.quote)]);
            for (const l of lines) expect(l.startsWith(`x.csv linha ${row.line}: `)).toBe(true);
          }
        },
      ),
    );
  });

  it('the same quote written the Brazilian way (";", decimal comma, Latin-1) and with "," reads alike (property)', () => {
    const dec = fc.integer({ min: 0, max: 99_999 }).map((n) => n / 10);
    fc.assert(
      fc.property(
        fc.array(dec, { minLength: 12, maxLength: 12 }),
        fc.integer({ min: 0, max: 900 }).map((n) => n / 10),
        fc.integer({ min: 1, max: 99_999 }).map((n) => n / 100),
        (months, tilt, price) => {
          const names = ['cliente', 'classe', 'cidade', ...MONTHS.map((m) => `consumo_${m}`), 'inclinacao', 'preco_wp'];
          const br = (n: number) => String(n).replace('.', ',');
          const semi = `${names.join(';')}\nJoão;B1;São Paulo;${months.map(br).join(';')};${br(tilt)};${br(price)}\n`;
          const comma = `${names.join(',')}\nJoão,B1,São Paulo,${months.join(',')},${tilt},${price}\n`;
          const a = readQuoteCsv(Buffer.from(semi, 'latin1'), 'q.csv').rows[0]?.quote;
          const b = readQuoteCsv(Buffer.from(comma, 'utf8'), 'q.csv').rows[0]?.quote;
          expect(a).toEqual(b);
          expect(a).toMatchObject({
            customer: { name: 'João' },
            location: { city: 'São Paulo' },
            consumption: { monthlyKwh: months },
            roof: { tiltDeg: tilt },
            price: { brlPerWp: price },
          });
        },
      ),
    );
  });
});
