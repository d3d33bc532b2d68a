-- The stand-in SQL Server's data for compose.yaml (T-SQL; GO separates batches).
CREATE SCHEMA shop
GO
CREATE TABLE shop.Products (
  ProductId int NOT NULL PRIMARY KEY,
  Name nvarchar(100) NOT NULL,
  Price decimal(12, 2) NOT NULL
)
GO
INSERT INTO shop.Products (ProductId, Name, Price) VALUES
  (1, N'Espresso beans 1 kg', 24.90),
  (2, N'Grinder', 129.00),
  (3, N'Milk jug', 12.50)
GO
CREATE TABLE shop.Orders (
  OrderId int NOT NULL PRIMARY KEY,
  OrderDate datetime2(3) NOT NULL,
  ProductId int NOT NULL,
  Quantity int NOT NULL,
  Amount decimal(18, 2) NOT NULL
)
GO
INSERT INTO shop.Orders (OrderId, OrderDate, ProductId, Quantity, Amount)
SELECT value, DATEADD(hour, value * 7, '2024-01-01T00:00:00'), value % 3 + 1, value % 5 + 1, (value % 5 + 1) * 12.50
FROM GENERATE_SERIES(1, 1000)
GO
